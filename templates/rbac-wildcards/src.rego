package gatewright.rbac_wildcards

import data.lib.common
import data.lib.message

rule_fields := ["apiGroups", "resources", "verbs"]

no_wildcard := "wildcards are not allowed"

# Every value that RBAC matches as a pattern, with its field path.
values contains {"field": sprintf("rules[%d].%s[%d]", [i, f, j]), "value": v} if {
	common.kind in {"Role", "ClusterRole"}
	some i, r in object.get(common.review_object, "rules", [])
	some f in rule_fields
	some j, v in object.get(r, f, [])
}

values contains {"field": "roleRef.name", "value": common.review_object.roleRef.name} if {
	common.kind in {"RoleBinding", "ClusterRoleBinding"}
}

values contains {"field": sprintf("subjects[%d].name", [i]), "value": s.name} if {
	common.kind in {"RoleBinding", "ClusterRoleBinding"}
	some i, s in object.get(common.review_object, "subjects", [])
}

violation contains {"msg": msg, "details": message.details(e.field, e.value, no_wildcard)} if {
	not common.is_delete
	some e in values
	contains(e.value, "*")
	msg := message.format_rule(common.object_ref, e.field, e.value, no_wildcard)
}
