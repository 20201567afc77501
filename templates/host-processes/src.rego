package gatewright.host_processes

import data.lib.common
import data.lib.exception
import data.lib.message

# Pod field -> (constraint parameter, SecurityPolicyException path).
namespaces := {
	"hostPID": {"param": "allowHostPID", "spe": ["network", "hostPID", "allowedValue"]},
	"hostIPC": {"param": "allowHostIPC", "spe": ["network", "hostIPC", "allowedValue"]},
}

violation contains {"msg": msg, "details": message.details(field, true, false)} if {
	not common.is_delete
	some name, rule in namespaces
	common.pod_spec[name] == true
	not object.get(input, ["parameters", rule.param], false) == true
	not exception.allowed(exception.for_pod, rule.spe, false) == true
	field := sprintf("%s.%s", [common.spec_prefix, name])
	msg := message.format(common.object_ref, field, true, false)
}
