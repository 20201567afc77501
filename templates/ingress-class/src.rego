package gatewright.ingress_class

import data.lib.common
import data.lib.message

annotation := "kubernetes.io/ingress.class"

# Every place the Ingress names its class: {field: class}.
named_classes[field] := class if {
	class := common.review_object.spec.ingressClassName
	field := "spec.ingressClassName"
}

named_classes[field] := class if {
	class := common.review_object.metadata.annotations[annotation]
	field := sprintf("metadata.annotations[%q]", [annotation])
}

violation contains {"msg": msg, "details": message.details(field, class, allowed)} if {
	not common.is_delete
	common.kind == "Ingress"
	allowed := object.get(input, ["parameters", "ingressClassNames"], [])
	some field, class in named_classes
	not class in allowed
	msg := message.format(common.object_ref, field, class, allowed)
}

violation contains {"msg": msg, "details": message.details("spec.ingressClassName", null, allowed)} if {
	not common.is_delete
	common.kind == "Ingress"
	allowed := object.get(input, ["parameters", "ingressClassNames"], [])
	count(named_classes) == 0
	not "" in allowed
	msg := message.format(common.object_ref, "spec.ingressClassName", null, allowed)
}
