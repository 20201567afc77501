package gatewright.flex_volumes

import data.lib.common
import data.lib.message

allowed_drivers := [d.driver | some d in object.get(input, ["parameters", "allowedFlexVolumes"], [])]

violation contains {"msg": msg, "details": message.details(field, driver, allowed_drivers)} if {
	not common.is_delete
	some i, volume in object.get(common.pod_spec, "volumes", [])
	volume.flexVolume
	driver := object.get(volume.flexVolume, "driver", "")
	not driver in allowed_drivers
	field := sprintf("%s.volumes[%d].flexVolume.driver", [common.spec_prefix, i])
	subject := sprintf("%s, volume %q", [common.object_ref, object.get(volume, "name", "")])
	msg := message.format(subject, field, driver, allowed_drivers)
}
