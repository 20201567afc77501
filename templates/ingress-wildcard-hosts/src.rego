package gatewright.ingress_wildcard_hosts

import data.lib.common
import data.lib.message

no_wildcard := "wildcard hosts are not allowed"

violation contains {"msg": msg, "details": message.details(field, host, no_wildcard)} if {
	not common.is_delete
	common.kind == "Ingress"
	object.get(input, ["parameters", "blockWildcardDomains"], true) == true
	some i, r in object.get(common.review_object, ["spec", "rules"], [])
	host := object.get(r, "host", "")
	contains(host, "*")
	field := sprintf("spec.rules[%d].host", [i])
	msg := message.format_rule(common.object_ref, field, host, no_wildcard)
}
