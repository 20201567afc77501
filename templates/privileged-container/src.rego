package gatewright.privileged_container

import data.lib.common
import data.lib.exception
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, true, false)} if {
	not common.is_delete
	some entry in common.containers
	entry.container.securityContext.privileged == true
	not exception.allowed(exception.for_container(entry), ["securityContext", "privileged", "allowedValue"], false) == true
	field := sprintf("%s.securityContext.privileged", [common.path(entry)])
	msg := message.format(common.container_subject(entry), field, true, false)
}
