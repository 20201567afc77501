package gatewright.replica_limits

import data.lib.common
import data.lib.message
import data.lib.range

checked_kinds := {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}

violation contains {"msg": msg, "details": message.details("spec.replicas", replicas, ranges)} if {
	not common.is_delete
	common.kind in checked_kinds
	ranges := object.get(input, ["parameters", "ranges"], [])
	replicas := object.get(common.review_object, ["spec", "replicas"], 1)
	not range.in_any(replicas, [as_range(r) | some r in ranges])
	msg := message.format(common.object_ref, "spec.replicas", shown(replicas), ranges)
}

# {minReplicas, maxReplicas} -> lib.range's {min, max}; an absent bound stays absent (open).
as_range(r) := {to: v | some [from, to] in [["minReplicas", "min"], ["maxReplicas", "max"]]; v := r[from]}

shown(replicas) := replicas if {
	object.get(common.review_object, ["spec", "replicas"], null) != null
} else := sprintf("unset (defaults to %d)", [replicas])
