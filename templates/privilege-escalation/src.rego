package gatewright.privilege_escalation

import data.lib.common
import data.lib.exception
import data.lib.message

candidates := [{"container": c, "field": field, "index": i} |
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	not c.securityContext.allowPrivilegeEscalation == false
]

offending := [entry | some entry in candidates; not excepted(entry)] if exception.named

else := candidates

excepted(entry) if exception.allowed(exception.for_container(entry), ["securityContext", "allowPrivilegeEscalation", "allowedValue"], false) == true

violation contains {"msg": msg, "details": message.details(field, actual, false)} if {
	candidates != []
	not common.is_delete
	not common.is_windows_pod
	some i, entry in common.first_reported(offending)
	actual := object.get(entry.container, ["securityContext", "allowPrivilegeEscalation"], null)
	field := sprintf("%s.securityContext.allowPrivilegeEscalation", [common.path(entry)])
	msg := common.reported(i, count(offending), message.format(common.container_subject(entry), field, actual, false))
}
