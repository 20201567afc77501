package gatewright.required_annotations

import data.lib.common
import data.lib.message
import data.lib.required_keys

violation contains {"msg": msg, "details": message.details(field, failure.actual, failure.allowedRegex)} if {
	not common.is_delete
	rules := object.get(input, ["parameters", "annotations"], [])
	present := object.get(common.review_object, ["metadata", "annotations"], {})
	some failure in required_keys.failures(rules, present)
	field := sprintf("metadata.annotations[%q]", [failure.key])
	msg := message.format_rule(common.object_ref, field, failure.actual, required_keys.rule_text(failure))
}
