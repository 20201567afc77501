package gatewright.required_probes_test

import data.gatewright.required_probes.violation

inp(spec) := {"parameters": {"probes": ["livenessProbe", "readinessProbe"]}, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": spec,
}}}

probe := {"httpGet": {"path": "/", "port": 80}}

test_probes_set_allowed if {
	count(violation) == 0 with input as inp({"containers": [{"name": "a", "livenessProbe": probe, "readinessProbe": probe}]})
}

test_missing_probe_denied if {
	some v in violation with input as inp({"containers": [{"name": "a", "livenessProbe": probe}]})
	v.msg == `Pod ns/p, container "a": spec.containers[0].readinessProbe is unset; must be set`
}

test_sidecar_checked_plain_init_and_ephemeral_skipped if {
	vs := violation with input as inp({
		"containers": [{"name": "a", "livenessProbe": probe, "readinessProbe": probe}],
		"initContainers": [{"name": "setup"}, {"name": "proxy", "restartPolicy": "Always", "livenessProbe": probe}],
		"ephemeralContainers": [{"name": "debug"}],
	})
	{v.msg | some v in vs} == {`Pod ns/p, init container "proxy": spec.initContainers[1].readinessProbe is unset; must be set`}
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(inp({"containers": [{"name": "a"}]}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
