package gatewright.volume_types

import data.lib.common
import data.lib.exception
import data.lib.message

allowed_types := object.get(input, ["parameters", "volumes"], [])

violation contains {"msg": msg, "details": message.details(field, type, allowed_types)} if {
	not common.is_delete
	not "*" in allowed_types
	some i, volume in object.get(common.pod_spec, "volumes", [])
	some type in source_types(volume)
	not type in allowed_types
	not type in exception.allowed(exception.for_pod, ["volumes", "types", "allowedValues"], [])
	field := sprintf("%s.volumes[%d]", [common.spec_prefix, i])
	subject := sprintf("%s, volume %q", [common.object_ref, object.get(volume, "name", "")])
	msg := message.format(subject, field, type, allowed_types)
}

# The volume's source keys; none means emptyDir, the API server's default.
source_types(volume) := types if {
	types := {k | some k, _ in volume; k != "name"}
	count(types) > 0
} else := {"emptyDir"}
