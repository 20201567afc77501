package gatewright.volume_types

import data.lib.common
import data.lib.exception
import data.lib.message

allowed_types := object.get(input, ["parameters", "volumes"], [])

# A set, so each volume source is one lookup.
allowed_set := {t | some t in allowed_types}

# A volume's source keys are tested where they are; a volume without one is an emptyDir, the API server's default.
violation contains {"msg": msg, "details": message.details(field, type, allowed_types)} if {
	not "*" in allowed_set
	some i, volume in common.pod_spec.volumes
	some type, _ in volume
	type != "name"
	not type in allowed_set
	not common.is_delete
	not type in exception.allowed(exception.for_pod, ["volumes", "types", "allowedValues"], [])
	msg := volume_message(i, volume, type)
	field := sprintf("%s.volumes[%d]", [common.spec_prefix, i])
}

violation contains {"msg": msg, "details": message.details(field, "emptyDir", allowed_types)} if {
	not "emptyDir" in allowed_set
	not "*" in allowed_set
	some i, volume in common.pod_spec.volumes
	every key, _ in volume {
		key == "name"
	}
	not common.is_delete
	not "emptyDir" in exception.allowed(exception.for_pod, ["volumes", "types", "allowedValues"], [])
	msg := volume_message(i, volume, "emptyDir")
	field := sprintf("%s.volumes[%d]", [common.spec_prefix, i])
}

volume_message(i, volume, type) := message.format(subject, field, type, allowed_types) if {
	field := sprintf("%s.volumes[%d]", [common.spec_prefix, i])
	subject := sprintf("%s, volume %q", [common.object_ref, object.get(volume, "name", "")])
}
