package gatewright.windows_host_process

import data.lib.common
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, true, false)} if {
	common.pod_spec.securityContext.windowsOptions.hostProcess == true
	not common.is_delete
	field := sprintf("%s.securityContext.windowsOptions.hostProcess", [common.spec_prefix])
	msg := message.format(common.object_ref, field, true, false)
}

violation contains {"msg": msg, "details": message.details(field, true, false)} if {
	some field_name in common.container_fields
	some i, c in common.pod_spec[field_name]
	c.securityContext.windowsOptions.hostProcess == true
	not common.is_delete
	entry := {"container": c, "field": field_name, "index": i}
	field := sprintf("%s.securityContext.windowsOptions.hostProcess", [common.path(entry)])
	msg := message.format(common.container_subject(entry), field, true, false)
}
