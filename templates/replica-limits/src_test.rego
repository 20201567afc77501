package gatewright.replica_limits_test

import data.gatewright.replica_limits.violation

inp(kind, spec, ranges) := {"parameters": {"ranges": ranges}, "review": {"operation": "CREATE", "kind": {"kind": kind}, "object": {
	"kind": kind, "metadata": {"name": "w", "namespace": "ns"}, "spec": spec,
}}}

ranges := [{"minReplicas": 2, "maxReplicas": 5}, {"minReplicas": 10}]

test_in_range if {
	count(violation) == 0 with input as inp("Deployment", {"replicas": 2}, ranges)
	count(violation) == 0 with input as inp("StatefulSet", {"replicas": 5}, ranges)
	count(violation) == 0 with input as inp("ReplicaSet", {"replicas": 100}, ranges)
}

test_out_of_range if {
	some v in violation with input as inp("ReplicationController", {"replicas": 7}, ranges)
	v.msg == `ReplicationController ns/w: spec.replicas is 7; allowed: [{"maxReplicas":5,"minReplicas":2},{"minReplicas":10}]`
}

test_unset_is_one if {
	some v in violation with input as inp("Deployment", {}, ranges)
	v.msg == `Deployment ns/w: spec.replicas is unset (defaults to 1); allowed: [{"maxReplicas":5,"minReplicas":2},{"minReplicas":10}]`
	count(violation) == 0 with input as inp("Deployment", {}, [{"maxReplicas": 1}])
}

test_zero_replicas if {
	count(violation) == 1 with input as inp("Deployment", {"replicas": 0}, ranges)
	count(violation) == 0 with input as inp("Deployment", {"replicas": 0}, [{"minReplicas": 0, "maxReplicas": 3}])
}

test_empty_ranges_admit_nothing_other_kinds_ignored if {
	count(violation) == 1 with input as inp("Deployment", {"replicas": 1}, [])
	count(violation) == 0 with input as inp("DaemonSet", {}, [])
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(inp("Deployment", {}, ranges), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
