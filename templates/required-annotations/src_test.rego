package gatewright.required_annotations_test

import data.gatewright.required_annotations.violation

inp(obj) := {"parameters": {"annotations": [{"key": "team"}, {"key": "env", "allowedRegex": "^(prod|dev)$"}]}, "review": {
	"operation": "CREATE", "kind": {"kind": obj.kind}, "object": obj,
}}

test_complete_metadata_allowed if {
	count(violation) == 0 with input as inp({"kind": "Namespace", "metadata": {"name": "a", "annotations": {"team": "x", "env": "dev"}}})
}

test_missing_and_mismatched if {
	vs := violation with input as inp({"kind": "Deployment", "metadata": {"name": "w", "namespace": "ns", "annotations": {"env": "staging"}}})
	{v.msg | some v in vs} == {
		`Deployment ns/w: metadata.annotations["team"] is unset; must be set`,
		`Deployment ns/w: metadata.annotations["env"] is staging; must match ^(prod|dev)$`,
	}
}

test_no_metadata_map if {
	some v in violation with input as inp({"kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ns"}})
	v.msg == `ConfigMap ns/c: metadata.annotations["env"] is unset; must be set and match ^(prod|dev)$`
}

test_pod_template_metadata_does_not_count if {
	obj := {"kind": "Deployment", "metadata": {"name": "w", "namespace": "ns"}, "spec": {"template": {"metadata": {"annotations": {"team": "x", "env": "dev"}}}}}
	count(violation) == 2 with input as inp(obj)
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(inp({"kind": "Pod", "metadata": {"name": "p"}}), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
