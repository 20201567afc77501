package gatewright.privileged_container

import data.lib.common
import data.lib.exception
import data.lib.message

# Tested first (the exception lookup only when the pod names one), formatted only for the reported ones.
candidates := [{"container": c, "field": field, "index": i} |
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	c.securityContext.privileged == true
]

offending := [entry | some entry in candidates; not excepted(entry)] if exception.named

else := candidates

excepted(entry) if exception.allowed(exception.for_container(entry), ["securityContext", "privileged", "allowedValue"], false) == true

violation contains {"msg": msg, "details": message.details(field, true, false)} if {
	candidates != []
	not common.is_delete
	some i, entry in common.first_reported(offending)
	field := sprintf("%s.securityContext.privileged", [common.path(entry)])
	msg := common.reported(i, count(offending), message.format(common.container_subject(entry), field, true, false))
}
