package gatewright.privilege_escalation

import data.lib.common
import data.lib.exception
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, actual, false)} if {
	not common.is_delete
	not common.is_windows_pod
	some entry in common.containers
	actual := object.get(entry.container, ["securityContext", "allowPrivilegeEscalation"], null)
	actual != false
	not exception.allowed(exception.for_container(entry), ["securityContext", "allowPrivilegeEscalation", "allowedValue"], false) == true
	field := sprintf("%s.securityContext.allowPrivilegeEscalation", [common.path(entry)])
	msg := message.format(common.container_subject(entry), field, actual, false)
}
