package gatewright.disallowed_tolerations_test

import data.gatewright.disallowed_tolerations.covers
import data.gatewright.disallowed_tolerations.violation

inp(tolerations, patterns) := {"parameters": {"tolerations": patterns}, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": {"containers": [{"name": "a"}], "tolerations": tolerations},
}}}

control_plane := {"key": "node-role.kubernetes.io/control-plane"}

gpu_pattern := {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}

test_exact_match if {
	some v in violation with input as inp([{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}], [control_plane])
	v.msg == `Pod ns/p: spec.tolerations[0] is {"effect":"NoSchedule","key":"node-role.kubernetes.io/control-plane","operator":"Exists"}; matches disallowed [{"key":"node-role.kubernetes.io/control-plane"}]`
}

test_other_key_allowed if {
	count(violation) == 0 with input as inp([{"key": "dedicated", "operator": "Exists"}], [control_plane])
}

test_broader_tolerations_cover_the_pattern if {
	covers({"operator": "Exists"}, gpu_pattern)
	covers({"key": "dedicated", "operator": "Exists"}, gpu_pattern)
	covers({"key": "dedicated", "value": "gpu"}, gpu_pattern)
	covers({"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": ""}, gpu_pattern)
}

test_narrower_or_different_tolerations_do_not if {
	not covers({"key": "dedicated", "value": "cpu"}, gpu_pattern)
	not covers({"key": "dedicated", "value": "gpu", "effect": "NoExecute"}, gpu_pattern)
	not covers({"key": "other", "operator": "Exists"}, gpu_pattern)
	not covers({"key": "dedicated", "value": "gpu"}, {"operator": "Exists"})
	not covers({"operator": "Exists", "effect": "NoSchedule"}, {"effect": "NoExecute"})
}

test_default_tolerations_ignored if {
	defaults := [
		{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
		{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
	]
	count(violation) == 0 with input as inp(defaults, [{"effect": "NoExecute"}])
	count(violation) == 1 with input as inp([{"key": "node.kubernetes.io/not-ready", "operator": "Exists"}], [{"key": "node.kubernetes.io/not-ready"}])
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(inp([{"operator": "Exists"}], [{}]), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
