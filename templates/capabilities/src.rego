package gatewright.capabilities

import data.lib.common
import data.lib.exception
import data.lib.message

allowed_caps := object.get(input, ["parameters", "allowedCapabilities"], [])

required_drops := object.get(input, ["parameters", "requiredDropCapabilities"], [])

spe_path := ["securityContext", "capabilities", "allowedValues"]

# Sets, so each capability is one lookup.
allowed_set := {c | some c in allowed_caps}

allows_all if "ALL" in allowed_set

violation contains {"msg": msg, "details": message.details(field, cap, allowed_caps)} if {
	not common.is_delete
	some entry in common.containers
	some i, cap in object.get(entry.container, ["securityContext", "capabilities", "add"], [])
	not add_allowed(cap, entry)
	field := sprintf("%s.securityContext.capabilities.add[%d]", [common.path(entry), i])
	msg := message.format(common.container_subject(entry), field, cap, allowed_caps)
}

add_allowed(_, _) if allows_all

add_allowed(cap, _) if cap in allowed_set

add_allowed(cap, entry) if {
	some allowed in exception.allowed(exception.for_container(entry), array.concat(spe_path, ["add"]), [])
	allowed in {cap, "ALL"}
}

violation contains {"msg": msg, "details": message.details(field, actual, required_drops)} if {
	not common.is_delete
	count(required_drops) > 0
	not common.is_windows_pod
	some entry in common.containers
	actual := object.get(entry.container, ["securityContext", "capabilities", "drop"], null)
	not drops_all(actual)
	drops := object.get(entry.container, ["securityContext", "capabilities", "drop"], [])
	missing := [r | some r in required_drops; not dropped(r, drops)]
	count(missing) > 0
	not exception_drops_met(entry, drops)
	field := sprintf("%s.securityContext.capabilities.drop", [common.path(entry)])
	msg := message.format_rule(common.container_subject(entry), field, actual, sprintf("must drop %s", [json.marshal(missing)]))
}

# The common case, decided without building the list of missing drops.
drops_all(drops) if "ALL" in drops

dropped(cap, drops) if cap in drops

dropped(_, drops) if "ALL" in drops

# The exception's drop list stands in for the required one when the container drops all of it.
# Its CRD default is ["all"], so it is compared without regard to case.
exception_drops_met(entry, drops) if {
	spe_drops := exception.allowed(exception.for_container(entry), array.concat(spe_path, ["drop"]), null)
	is_array(spe_drops)
	upper_drops := {upper(d) | some d in drops}
	every d in spe_drops {
		some have in {upper(d), "ALL"}
		have in upper_drops
	}
}
