package gatewright.proc_mount

import data.lib.common
import data.lib.exception
import data.lib.message

permitted := {
	"Default": ["Default"],
	"Unmasked": ["Default", "Unmasked"],
}

allowed := object.get(permitted, object.get(input, ["parameters", "allowedProcMount"], "Default"), ["Default"])

in_user_namespace if common.pod_spec.hostUsers == false

candidates := [{"container": c, "field": field, "index": i} |
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	# Unset and null mean Default, which every level allows.
	proc_mount := c.securityContext.procMount
	proc_mount != null
	not proc_mount in allowed
]

offending := [entry | some entry in candidates; not excepted(entry)] if exception.named

else := candidates

excepted(entry) if value(entry) in exception.allowed(exception.for_container(entry), ["securityContext", "procMount", "allowedValues"], [])

violation contains {"msg": msg, "details": message.details(field, proc_mount, allowed)} if {
	candidates != []
	not common.is_delete
	not exempt_user_namespace
	some i, entry in common.first_reported(offending)
	proc_mount := value(entry)
	field := sprintf("%s.securityContext.procMount", [common.path(entry)])
	msg := common.reported(i, count(offending), message.format(common.container_subject(entry), field, proc_mount, allowed))
}

exempt_user_namespace if {
	input.parameters.allowAnyInUserNamespace == true
	in_user_namespace
}

value(entry) := value_of(entry.container)

value_of(c) := v if {
	v := c.securityContext.procMount
	v != null
} else := "Default"
