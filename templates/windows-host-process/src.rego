package gatewright.windows_host_process

import data.lib.common
import data.lib.message

option := ["securityContext", "windowsOptions", "hostProcess"]

violation contains {"msg": msg, "details": message.details(field, true, false)} if {
	not common.is_delete
	object.get(common.pod_spec, option, false) == true
	field := sprintf("%s.securityContext.windowsOptions.hostProcess", [common.spec_prefix])
	msg := message.format(common.object_ref, field, true, false)
}

violation contains {"msg": msg, "details": message.details(field, true, false)} if {
	not common.is_delete
	some entry in common.containers
	object.get(entry.container, option, false) == true
	field := sprintf("%s.securityContext.windowsOptions.hostProcess", [common.path(entry)])
	msg := message.format(common.container_subject(entry), field, true, false)
}
