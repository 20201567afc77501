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

# Tested first: every added capability the constraint does not admit, as {entry, index, cap}.
add_candidates := [{"entry": {"container": c, "field": field, "index": ci}, "i": i, "cap": cap} |
	not allows_all
	some field in common.container_fields
	some ci, c in common.pod_spec[field]
	some i, cap in c.securityContext.capabilities.add
	not cap in allowed_set
]

add_offending := [a | some a in add_candidates; not add_allowed(a.cap, a.entry)] if exception.named

else := add_candidates

violation contains {"msg": msg, "details": message.details(field, a.cap, allowed_caps)} if {
	add_candidates != []
	not common.is_delete
	some k, a in common.first_reported(add_offending)
	field := sprintf("%s.securityContext.capabilities.add[%d]", [common.path(a.entry), a.i])
	msg := common.reported(k, count(add_offending), message.format(common.container_subject(a.entry), field, a.cap, allowed_caps))
}

add_allowed(_, _) if allows_all

add_allowed(cap, _) if cap in allowed_set

add_allowed(cap, entry) if {
	some allowed in exception.allowed(exception.for_container(entry), array.concat(spe_path, ["add"]), [])
	allowed in {cap, "ALL"}
}

# Containers that do not drop every required capability (Windows pods are exempt).
# Each entry carries the required capabilities it does not drop, for its message.
drop_candidates := [{"container": c, "field": field, "index": i, "missing": missing} |
	required_drops != []
	not common.is_windows_pod
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	drops := object.get(c, ["securityContext", "capabilities", "drop"], [])
	not "ALL" in drops
	missing := [r | some r in required_drops; not r in drops]
	missing != []
]

drop_offending := [entry | some entry in drop_candidates; not exception_drops_met(entry, drops_of(entry))] if exception.named

else := drop_candidates

drops_of(entry) := object.get(entry.container, ["securityContext", "capabilities", "drop"], [])


violation contains {"msg": msg, "details": message.details(field, actual, required_drops)} if {
	drop_candidates != []
	not common.is_delete
	some k, entry in common.first_reported(drop_offending)
	actual := object.get(entry.container, ["securityContext", "capabilities", "drop"], null)
	field := sprintf("%s.securityContext.capabilities.drop", [common.path(entry)])
	rule := sprintf("must drop %s", [json.marshal(entry.missing)])
	msg := common.reported(k, count(drop_offending), message.format_rule(common.container_subject(entry), field, actual, rule))
}

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
