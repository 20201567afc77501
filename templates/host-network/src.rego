package gatewright.host_network

import data.lib.common
import data.lib.exception
import data.lib.message
import data.lib.range

host_network := common.pod_spec.hostNetwork == true

ranges := object.get(input, ["parameters", "ranges"], [])

violation contains {"msg": msg, "details": message.details(field, true, false)} if {
	not common.is_delete
	host_network
	not object.get(input, ["parameters", "allowHostNetwork"], false) == true
	not exception.allowed(exception.for_pod, ["network", "hostNetwork", "allowedValue"], false) == true
	field := sprintf("%s.hostNetwork", [common.spec_prefix])
	msg := message.format(common.object_ref, field, true, false)
}

violation contains {"msg": msg, "details": message.details(hp.field, hp.port, ranges)} if {
	not common.is_delete
	some hp in host_ports
	not range.in_any(hp.port, ranges)
	not exception_port(hp)
	msg := message.format(common.container_subject(hp.entry), hp.field, sprintf("%v/%s", [hp.port, hp.protocol]), allowed_text)
}

# Ports a container binds on the host: a non-zero hostPort; with the host network also the containerPort
# (the API server defaults hostPort to containerPort there). Tested where they are; the entry is made for a hit only.
host_ports contains hp if {
	some field in common.container_fields
	some ci, c in common.pod_spec[field]
	some i, p in c.ports
	object.get(p, "hostPort", 0) != 0
	hp := host_port({"container": c, "field": field, "index": ci}, i, p, "hostPort")
}

host_ports contains hp if {
	host_network
	some field in common.container_fields
	some ci, c in common.pod_spec[field]
	some i, p in c.ports
	object.get(p, "hostPort", 0) == 0
	object.get(p, "containerPort", 0) != 0
	hp := host_port({"container": c, "field": field, "index": ci}, i, p, "containerPort")
}

host_port(entry, i, p, port_field) := {
	"entry": entry,
	"port": p[port_field],
	"protocol": object.get(p, "protocol", "TCP"),
	"field": sprintf("%s.ports[%d].%s", [common.path(entry), i, port_field]),
}

exception_port(hp) if {
	some allowed in exception.allowed(exception.for_container(hp.entry), ["network", "hostPorts"], [])
	allowed.port == hp.port
	object.get(allowed, "protocol", "TCP") == hp.protocol
}

allowed_text := "no host ports" if count(ranges) == 0

else := concat(", ", [range_text(r) | some r in ranges])

range_text(r) := sprintf("%v", [r.min]) if {
	r.min == r.max
} else := sprintf("%v-%v", [object.get(r, "min", 0), object.get(r, "max", 65535)])
