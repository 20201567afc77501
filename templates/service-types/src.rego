package gatewright.service_types

import data.lib.common
import data.lib.message

allowed := object.get(input, ["parameters", "allowedServiceTypes"], [])

violation contains {"msg": msg, "details": message.details("spec.type", type, allowed)} if {
	not common.is_delete
	common.kind == "Service"
	type := object.get(common.review_object, ["spec", "type"], "ClusterIP")
	not type in allowed
	msg := message.format(common.object_ref, "spec.type", type, allowed)
}
