package gatewright.sysctls

import data.lib.common
import data.lib.exception
import data.lib.glob
import data.lib.message

forbidden := object.get(input, ["parameters", "forbiddenSysctls"], [])

sysctls contains {"sysctl": s, "field": sprintf("%s.securityContext.sysctls[%d].name", [common.spec_prefix, i])} if {
	some i, s in object.get(common.pod_spec, ["securityContext", "sysctls"], [])
}

# A SecurityPolicyException entry admits a sysctl with the same name and, when the entry gives a value, the same value.
excepted(s) if {
	some allowed in exception.allowed(exception.for_pod, ["securityContext", "sysctls", "allowedValues"], [])
	allowed.name == s.name
	value_matches(allowed, s)
}

value_matches(allowed, _) if not "value" in object.keys(allowed)

value_matches(allowed, s) if sprintf("%v", [allowed.value]) == sprintf("%v", [object.get(s, "value", "")])

violation contains {"msg": msg, "details": message.details(e.field, e.sysctl.name, forbidden)} if {
	not common.is_delete
	some e in sysctls
	glob.matches_any(forbidden, e.sysctl.name)
	not excepted(e.sysctl)
	msg := message.format_rule(common.object_ref, e.field, e.sysctl.name, sprintf("forbidden: %s", [message.show(forbidden)]))
}

violation contains {"msg": msg, "details": message.details(e.field, e.sysctl.name, allowed)} if {
	not common.is_delete
	allowed := input.parameters.allowedSysctls
	some e in sysctls
	not glob.matches_any(forbidden, e.sysctl.name)
	not glob.matches_any(allowed, e.sysctl.name)
	not excepted(e.sysctl)
	msg := message.format(common.object_ref, e.field, e.sysctl.name, allowed)
}
