package gatewright.rbac_wildcards_test

import data.gatewright.rbac_wildcards.violation

review(obj) := {"review": {"operation": "CREATE", "kind": {"kind": obj.kind}, "object": obj}}

role(kind, rules) := {"kind": kind, "metadata": {"name": "r", "namespace": "ns"}, "rules": rules}

binding(kind, role_name, subjects) := {
	"kind": kind,
	"metadata": {"name": "b", "namespace": "ns"},
	"roleRef": {"kind": "ClusterRole", "name": role_name},
	"subjects": subjects,
}

test_explicit_rules_pass if {
	count(violation) == 0 with input as review(role("Role", [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]}]))
}

test_wildcards_in_rules_denied if {
	rules := [
		{"apiGroups": ["*"], "resources": ["pods"], "verbs": ["get"]},
		{"apiGroups": ["apps"], "resources": ["deployments/*"], "verbs": ["*"]},
	]
	vs := violation with input as review(role("Role", rules))
	{v.msg | some v in vs} == {
		"Role ns/r: rules[0].apiGroups[0] is *; wildcards are not allowed",
		"Role ns/r: rules[1].resources[0] is deployments/*; wildcards are not allowed",
		"Role ns/r: rules[1].verbs[0] is *; wildcards are not allowed",
	}
}

test_cluster_role_rules if {
	obj := json.remove(role("ClusterRole", [{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}]), ["metadata/namespace"])
	some v in violation with input as review(obj)
	v.msg == "ClusterRole r: rules[0].resources[0] is *; wildcards are not allowed"
}

test_binding_wildcards if {
	obj := binding("RoleBinding", "view", [{"kind": "User", "name": "alice"}, {"kind": "Group", "name": "team-*"}])
	some v in violation with input as review(obj)
	v.msg == "RoleBinding ns/b: subjects[1].name is team-*; wildcards are not allowed"
	v.details == {"field": "subjects[1].name", "actual": "team-*", "allowed": "wildcards are not allowed"}
	count(violation) == 1 with input as review(binding("ClusterRoleBinding", "*", []))
	count(violation) == 0 with input as review(binding("RoleBinding", "view", [{"kind": "User", "name": "alice"}]))
}

test_other_kinds_and_delete_skipped if {
	count(violation) == 0 with input as review({"kind": "ConfigMap", "metadata": {"name": "c"}, "rules": [{"verbs": ["*"]}]})
	inp := json.patch(review(role("Role", [{"verbs": ["*"]}])), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(violation) == 0 with input as inp
}
