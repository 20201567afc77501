package gatewright.allowed_cluster_roles

import data.lib.common
import data.lib.glob
import data.lib.message

allowed := object.get(input, ["parameters", "allowedClusterRoles"], [])

violation contains {"msg": msg, "details": message.details("roleRef.name", role, allowed)} if {
	not common.is_delete
	common.kind in {"RoleBinding", "ClusterRoleBinding"}
	ref := common.review_object.roleRef
	ref.kind == "ClusterRole"
	role := ref.name
	not glob.matches_any(allowed, role)
	msg := message.format(common.object_ref, "roleRef.name", role, allowed)
}
