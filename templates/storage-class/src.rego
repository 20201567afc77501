package gatewright.storage_class

import data.lib.common
import data.lib.message

violation contains {"msg": msg, "details": message.details("spec.storageClassName", written, allowed)} if {
	not common.is_delete
	common.kind == "PersistentVolumeClaim"
	allowed := object.get(input, ["parameters", "storageClassNames"], [])
	written := object.get(common.review_object, ["spec", "storageClassName"], null)
	not class(written) in allowed
	msg := message.format(common.object_ref, "spec.storageClassName", shown(written), allowed)
}

class(written) := "" if written == null

else := written

shown(written) := `"" (no class)` if written == ""

else := written
