package gatewright.revision_history_limit

import data.lib.common
import data.lib.message

checked_kinds := {"Deployment", "StatefulSet", "DaemonSet"}

# Kubernetes default for all three kinds.
default_limit := 10

violation contains {"msg": msg, "details": message.details("spec.revisionHistoryLimit", actual, {"max": limit})} if {
	not common.is_delete
	common.kind in checked_kinds
	limit := input.parameters.limit
	actual := object.get(common.review_object, ["spec", "revisionHistoryLimit"], default_limit)
	actual > limit
	msg := message.format_rule(common.object_ref, "spec.revisionHistoryLimit", shown(actual), sprintf("must be at most %d", [limit]))
}

shown(actual) := actual if {
	object.get(common.review_object, ["spec", "revisionHistoryLimit"], null) != null
} else := sprintf("unset (defaults to %d)", [actual])
