package gatewright.host_network_test

import data.gatewright.host_network.violation

pod(spec, labels, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod",
	"metadata": {"name": "p", "namespace": "ns", "labels": labels},
	"spec": spec,
}}}

msgs(inp) := m if {
	m := {v.msg | some v in violation} with input as inp
}

web := {"name": "c", "ports": [{"containerPort": 8080}]}

test_host_network_denied_by_default if {
	msgs(pod({"hostNetwork": true, "containers": [{"name": "c"}]}, {}, {})) == {"Pod ns/p: spec.hostNetwork is true; allowed: false"}
}

test_host_network_allowed_by_parameter if {
	count(msgs(pod({"hostNetwork": true, "containers": [{"name": "c"}]}, {}, {"allowHostNetwork": true}))) == 0
}

test_container_port_without_host_network_is_not_a_host_port if {
	count(msgs(pod({"containers": [web]}, {}, {}))) == 0
	count(msgs(pod({"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 0}]}]}, {}, {}))) == 0
}

test_host_port_denied_without_ranges if {
	inp := pod({"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 8080}]}]}, {}, {})
	msgs(inp) == {`Pod ns/p, container "c": spec.containers[0].ports[0].hostPort is 8080/TCP; allowed: no host ports`}
}

test_host_port_in_range_allowed if {
	params := {"ranges": [{"min": 8000, "max": 8100}, {"min": 9000, "max": 9000}]}
	inp := pod({"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 8080}, {"containerPort": 9000, "hostPort": 9000}]}]}, {}, params)
	count(msgs(inp)) == 0
}

test_host_port_outside_ranges_names_them if {
	params := {"ranges": [{"min": 8000, "max": 8100}, {"min": 9000, "max": 9000}, {"min": 100}]}
	inp := pod({"initContainers": [{"name": "i", "ports": [{"containerPort": 53, "hostPort": 53, "protocol": "UDP"}]}]}, {}, params)
	msgs(inp) == {`Pod ns/p, init container "i": spec.initContainers[0].ports[0].hostPort is 53/UDP; allowed: 8000-8100, 9000, 100-65535`}
}

test_host_network_makes_container_ports_host_ports if {
	params := {"allowHostNetwork": true, "ranges": [{"min": 9000, "max": 9100}]}
	inp := pod({"hostNetwork": true, "containers": [web], "ephemeralContainers": [{"name": "e", "ports": [{"containerPort": 9050}]}]}, {}, params)
	msgs(inp) == {`Pod ns/p, container "c": spec.containers[0].ports[0].containerPort is 8080/TCP; allowed: 9000-9100`}
}

test_host_network_denied_and_ports_reported if {
	count(msgs(pod({"hostNetwork": true, "containers": [web]}, {}, {}))) == 2
}

test_deployment_template if {
	inp := {"parameters": {}, "review": {"operation": "CREATE", "kind": {"kind": "Deployment"}, "object": {
		"kind": "Deployment",
		"metadata": {"name": "d", "namespace": "ns"},
		"spec": {"template": {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 1, "hostPort": 2}]}]}}},
	}}}
	msgs(inp) == {`Deployment ns/d, container "c": spec.template.spec.containers[0].ports[0].hostPort is 2/TCP; allowed: no host ports`}
}

test_delete_skipped if {
	inp := json.patch(pod({"hostNetwork": true, "containers": [web]}, {}, {}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(msgs(inp)) == 0
}

spe := {"namespace": {"ns": {"deckhouse.io/v1alpha1": {"SecurityPolicyException": {
	"net": {"spec": {"network": {"hostNetwork": {"allowedValue": true}, "hostPorts": [{"port": 8080, "protocol": "TCP"}]}}},
	"udp": {"spec": {"network": {"hostNetwork": {"allowedValue": false}, "hostPorts": [{"port": 8080, "protocol": "UDP"}]}}},
}}}}}

label(n) := {"security.deckhouse.io/security-policy-exception": n}

test_exception_admits_host_network_and_listed_port if {
	inp := pod({"hostNetwork": true, "containers": [web]}, label("net"), {})
	count(msgs(inp)) == 0 with data.inventory as spe
}

test_exception_port_adds_to_ranges if {
	params := {"ranges": [{"min": 9000, "max": 9000}]}
	inp := pod({"containers": [{"name": "c", "ports": [{"containerPort": 1, "hostPort": 8080}, {"containerPort": 2, "hostPort": 9000}]}]}, label("net"), params)
	count(msgs(inp)) == 0 with data.inventory as spe
}

test_exception_with_other_protocol_or_false_does_not_relax if {
	inp := pod({"hostNetwork": true, "containers": [web]}, label("udp"), {})
	count(msgs(inp)) == 2 with data.inventory as spe
}

test_per_container_exception_label if {
	labels := {"security.deckhouse.io/security-policy-exception.container.b": "net"}
	inp := pod({"containers": [{"name": "a", "ports": [{"containerPort": 1, "hostPort": 8080}]}, {"name": "b", "ports": [{"containerPort": 1, "hostPort": 8080}]}]}, labels, {})
	msgs(inp) == {`Pod ns/p, container "a": spec.containers[0].ports[0].hostPort is 8080/TCP; allowed: no host ports`} with data.inventory as spe
}
