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

candidates := [entry |
	some entry in common.containers
	not value(entry) in allowed
]

offending := [entry | some entry in candidates; not excepted(entry)] if exception.named

else := candidates

excepted(entry) if value(entry) in exception.allowed(exception.for_container(entry), ["securityContext", "procMount", "allowedValues"], [])

violation contains {"msg": msg, "details": message.details(field, proc_mount, allowed)} if {
	not common.is_delete
	not exempt_user_namespace
	some i in common.reported_indices(count(offending))
	entry := offending[i]
	proc_mount := value(entry)
	field := sprintf("%s.securityContext.procMount", [common.path(entry)])
	msg := common.reported(i, count(offending), message.format(common.container_subject(entry), field, proc_mount, allowed))
}

exempt_user_namespace if {
	input.parameters.allowAnyInUserNamespace == true
	in_user_namespace
}

value(entry) := v if {
	v := entry.container.securityContext.procMount
	v != null
} else := "Default"
