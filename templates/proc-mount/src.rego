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

violation contains {"msg": msg, "details": message.details(field, proc_mount, allowed)} if {
	not common.is_delete
	not exempt_user_namespace
	some entry in common.containers
	proc_mount := value(entry)
	not proc_mount in allowed
	not proc_mount in exception.allowed(exception.for_container(entry), ["securityContext", "procMount", "allowedValues"], [])
	field := sprintf("%s.securityContext.procMount", [common.path(entry)])
	msg := message.format(common.container_subject(entry), field, proc_mount, allowed)
}

exempt_user_namespace if {
	input.parameters.allowAnyInUserNamespace == true
	in_user_namespace
}

value(entry) := v if {
	v := entry.container.securityContext.procMount
	v != null
} else := "Default"
