package gatewright.allowed_cluster_roles_test

import data.gatewright.allowed_cluster_roles.violation

review(obj, params) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": obj.kind}, "object": obj}}

binding(kind, ref_kind, name) := {
	"kind": kind,
	"metadata": {"name": "b", "namespace": "ns"},
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": ref_kind, "name": name},
	"subjects": [{"kind": "User", "name": "alice"}],
}

params := {"allowedClusterRoles": ["view", "team-*"]}

test_allowed_roles_pass if {
	count(violation) == 0 with input as review(binding("RoleBinding", "ClusterRole", "view"), params)
	count(violation) == 0 with input as review(binding("RoleBinding", "ClusterRole", "team-reader"), params)
}

test_other_cluster_role_denied if {
	some v in violation with input as review(binding("RoleBinding", "ClusterRole", "admin"), params)
	v.msg == `RoleBinding ns/b: roleRef.name is admin; allowed: ["view","team-*"]`
	v.details == {"field": "roleRef.name", "actual": "admin", "allowed": ["view", "team-*"]}
}

test_namespaced_role_not_checked if {
	count(violation) == 0 with input as review(binding("RoleBinding", "Role", "anything"), params)
}

test_cluster_role_binding_checked_when_matched if {
	obj := json.remove(binding("ClusterRoleBinding", "ClusterRole", "cluster-admin"), ["metadata/namespace"])
	some v in violation with input as review(obj, params)
	v.msg == `ClusterRoleBinding b: roleRef.name is cluster-admin; allowed: ["view","team-*"]`
}

test_absent_and_star_parameters if {
	count(violation) == 1 with input as review(binding("RoleBinding", "ClusterRole", "view"), {})
	count(violation) == 0 with input as review(binding("RoleBinding", "ClusterRole", "admin"), {"allowedClusterRoles": ["*"]})
}

test_other_kinds_and_delete_skipped if {
	count(violation) == 0 with input as review(object.union(binding("Role", "ClusterRole", "admin"), {}), params)
	inp := json.patch(review(binding("RoleBinding", "ClusterRole", "admin"), params), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
	count(violation) == 0 with input as inp
}
