package gatewright.host_probes_lifecycle

import data.lib.common
import data.lib.message

# Where a container can name a host for the kubelet to connect to: a probe (container field) or a lifecycle hook
# (under lifecycle), each through httpGet or tcpSocket. Looked up by reference, so a container without the handler
# costs one failed lookup, not a path built and walked.
probes := ["livenessProbe", "readinessProbe", "startupProbe"]

hooks := ["postStart", "preStop"]

actions := ["httpGet", "tcpSocket"]

# {entry, handler (dotted), action, host} for every handler that names a host.
hosts contains {"entry": {"container": c, "field": field, "index": i}, "handler": name, "action": "httpGet", "host": host} if {
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	some name in probes
	host := c[name].httpGet.host
	host != ""
}

hosts contains {"entry": {"container": c, "field": field, "index": i}, "handler": name, "action": "tcpSocket", "host": host} if {
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	some name in probes
	host := c[name].tcpSocket.host
	host != ""
}

hosts contains {"entry": {"container": c, "field": field, "index": i}, "handler": concat(".", ["lifecycle", name]), "action": action, "host": host} if {
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	lifecycle := c.lifecycle
	some name in hooks
	some action in actions
	host := lifecycle[name][action].host
	host != ""
}

violation contains {"msg": msg, "details": message.details(field, h.host, "")} if {
	not common.is_delete
	some h in hosts
	field := concat(".", [common.path(h.entry), h.handler, h.action, "host"])
	msg := message.format_rule(common.container_subject(h.entry), field, h.host, "must be unset (the kubelet connects to the pod IP)")
}
