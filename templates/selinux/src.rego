package gatewright.selinux

import data.lib.common
import data.lib.exception
import data.lib.message

option_fields := ["level", "role", "type", "user"]

allowed_options := object.get(input, ["parameters", "allowedSELinuxOptions"], [])

# Every seLinuxOptions object with its field path and the exception that may admit it.
options contains {"subject": common.object_ref, "field": sprintf("%s.securityContext.seLinuxOptions", [common.spec_prefix]), "options": o, "spe": exception.for_pod} if {
	o := common.pod_spec.securityContext.seLinuxOptions
}

options contains {"subject": common.container_subject(entry), "field": sprintf("%s.securityContext.seLinuxOptions", [common.path(entry)]), "options": o, "spe": exception.for_container(entry)} if {
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	o := c.securityContext.seLinuxOptions
	entry := {"container": c, "field": field, "index": i}
}

# The options that are set (non-empty); empty and absent fields carry no SELinux label and always pass.
set_fields(o) := {f: v | some f in option_fields; v := object.get(o, f, ""); v != ""}

# One entry admits the options when each set field equals the entry's field, or the entry's field is "*".
entry_admits(entry, set) if {
	every f, v in set {
		object.get(entry, f, "") in {v, "*"}
	}
}

admitted(set, entries) if {
	some entry in entries
	entry_admits(entry, set)
}

violation contains {"msg": msg, "details": message.details(o.field, set, allowed_options)} if {
	not common.is_delete
	some o in options
	set := set_fields(o.options)
	count(set) > 0
	not admitted(set, allowed_options)
	not admitted(set, exception.allowed(o.spe, ["securityContext", "seLinuxOptions", "allowedValues"], []))
	msg := message.format(o.subject, o.field, set, allowed_options)
}
