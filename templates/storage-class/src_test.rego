package gatewright.storage_class_test

import data.gatewright.storage_class.violation

inp(spec, allowed) := {"parameters": {"storageClassNames": allowed}, "review": {"operation": "CREATE", "kind": {"kind": "PersistentVolumeClaim"}, "object": {
	"kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "ns"}, "spec": spec,
}}}

test_allowed_class if {
	count(violation) == 0 with input as inp({"storageClassName": "fast"}, ["fast"])
}

test_other_class if {
	some v in violation with input as inp({"storageClassName": "slow"}, ["fast"])
	v.msg == `PersistentVolumeClaim ns/data: spec.storageClassName is slow; allowed: ["fast"]`
}

test_unset_and_empty_need_empty_entry if {
	some v in violation with input as inp({}, ["fast"])
	v.msg == `PersistentVolumeClaim ns/data: spec.storageClassName is unset; allowed: ["fast"]`
	some w in violation with input as inp({"storageClassName": ""}, ["fast"])
	w.msg == `PersistentVolumeClaim ns/data: spec.storageClassName is "" (no class); allowed: ["fast"]`
	count(violation) == 0 with input as inp({}, ["fast", ""])
	count(violation) == 0 with input as inp({"storageClassName": null}, ["fast", ""])
}

test_other_kind_and_delete_ignored if {
	count(violation) == 0 with input as json.patch(inp({}, []), [{"op": "replace", "path": "/review/kind/kind", "value": "Pod"}])
	count(violation) == 0 with input as json.patch(inp({}, []), [{"op": "add", "path": "/review/operation", "value": "DELETE"}])
}
