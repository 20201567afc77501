package gatewright.priority_class

import data.lib.common
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, actual, allowed)} if {
	not common.is_delete
	allowed := object.get(input, ["parameters", "priorityClassNames"], [])
	actual := object.get(common.pod_spec, "priorityClassName", "")
	not actual in allowed
	field := sprintf("%s.priorityClassName", [common.spec_prefix])
	msg := message.format(common.object_ref, field, shown(actual), allowed)
}

shown(actual) := null if actual == ""

else := actual
