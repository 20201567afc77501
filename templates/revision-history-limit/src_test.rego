package gatewright.revision_history_limit_test

import data.gatewright.revision_history_limit.violation

inp(kind, spec) := {"parameters": {"limit": 3}, "review": {"operation": "CREATE", "kind": {"kind": kind}, "object": {
	"kind": kind, "metadata": {"name": "w", "namespace": "ns"}, "spec": spec,
}}}

test_within_limit if {
	count(violation) == 0 with input as inp("Deployment", {"revisionHistoryLimit": 3})
	count(violation) == 0 with input as inp("StatefulSet", {"revisionHistoryLimit": 0})
}

test_above_limit if {
	some v in violation with input as inp("DaemonSet", {"revisionHistoryLimit": 4})
	v.msg == "DaemonSet ns/w: spec.revisionHistoryLimit is 4; must be at most 3"
}

test_unset_is_ten if {
	some v in violation with input as inp("Deployment", {})
	v.msg == "Deployment ns/w: spec.revisionHistoryLimit is unset (defaults to 10); must be at most 3"
	count(violation) == 0 with input as json.patch(inp("Deployment", {}), [{"op": "replace", "path": "/parameters/limit", "value": 10}])
}

test_other_kinds_ignored if {
	count(violation) == 0 with input as inp("ReplicaSet", {"revisionHistoryLimit": 50})
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(inp("Deployment", {}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
