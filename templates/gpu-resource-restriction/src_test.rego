package gatewright.gpu_resource_restriction_test

import data.gatewright.gpu_resource_restriction.violation

params := {"namespaceLabel": {"key": "gpu.deckhouse.io/enabled", "value": "true"}, "gpuResourcePatterns": [`^nvidia\.com/.*$`]}

gpu_pod := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ml"}, "spec": {"containers": [{"name": "a", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}}

cpu_pod := {"kind": "Pod", "metadata": {"name": "p", "namespace": "ml"}, "spec": {"containers": [{"name": "a", "resources": {"limits": {"cpu": "1"}}}]}}

inp(obj, ns_labels) := {"parameters": params, "review": {
	"operation": "CREATE", "kind": {"kind": "Pod"}, "namespace": "ml", "object": obj,
	"namespaceObject": {"metadata": {"name": "ml", "labels": ns_labels}},
}}

bare(obj) := {"parameters": params, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "namespace": "ml", "object": obj}}

inventory(labels) := {"cluster": {"v1": {"Namespace": {"ml": {"metadata": {"name": "ml", "labels": labels}}}}}}

test_labelled_namespace_object_allows if {
	count(violation) == 0 with input as inp(gpu_pod, {"gpu.deckhouse.io/enabled": "true"})
}

test_wrong_value_denied if {
	some v in violation with input as inp(gpu_pod, {"gpu.deckhouse.io/enabled": "false"})
	v.msg == `Pod ml/p, container "a": spec.containers[0].resources.limits["nvidia.com/gpu"] is nvidia.com/gpu; GPU resources need namespace label gpu.deckhouse.io/enabled=true; namespace "ml" has gpu.deckhouse.io/enabled=false`
}

test_missing_label_denied if {
	some v in violation with input as inp(gpu_pod, {})
	v.msg == `Pod ml/p, container "a": spec.containers[0].resources.limits["nvidia.com/gpu"] is nvidia.com/gpu; GPU resources need namespace label gpu.deckhouse.io/enabled=true; namespace "ml" has no such label`
}

test_namespace_object_wins_over_inventory if {
	count(violation) == 1 with input as inp(gpu_pod, {}) with data.inventory as inventory({"gpu.deckhouse.io/enabled": "true"})
}

test_inventory_fallback if {
	count(violation) == 0 with input as bare(gpu_pod) with data.inventory as inventory({"gpu.deckhouse.io/enabled": "true"})
	count(violation) == 1 with input as bare(gpu_pod) with data.inventory as inventory({})
	nullns := json.patch(bare(gpu_pod), [{"op": "add", "path": "/review/namespaceObject", "value": null}])
	count(violation) == 0 with input as nullns with data.inventory as inventory({"gpu.deckhouse.io/enabled": "true"})
	emptyns := json.patch(bare(gpu_pod), [{"op": "add", "path": "/review/namespaceObject", "value": {}}])
	count(violation) == 0 with input as emptyns with data.inventory as inventory({"gpu.deckhouse.io/enabled": "true"})
	count(violation) == 1 with input as emptyns
}

test_fail_closed_without_labels if {
	some v in violation with input as bare(gpu_pod)
	v.msg == `Pod ml/p, container "a": spec.containers[0].resources.limits["nvidia.com/gpu"] is nvidia.com/gpu; GPU resources need namespace label gpu.deckhouse.io/enabled=true, and the labels of namespace "ml" are unavailable (no namespaceObject, Namespace not synced)`
}

test_non_gpu_pod_never_denied if {
	count(violation) == 0 with input as bare(cpu_pod)
}

test_key_only_label if {
	key_only := json.patch(inp(gpu_pod, {"gpu.deckhouse.io/enabled": "yes"}), [{"op": "remove", "path": "/parameters/namespaceLabel/value"}])
	count(violation) == 0 with input as key_only
	some v in violation with input as json.patch(key_only, [{"op": "replace", "path": "/review/namespaceObject/metadata/labels", "value": {}}])
	contains(v.msg, "need namespace label gpu.deckhouse.io/enabled;")
}

test_no_label_configured_denies if {
	some v in violation with input as object.remove(inp(gpu_pod, {"a": "b"}), ["parameters"]) with input.parameters as {"gpuResourcePatterns": ["nvidia"]}
	contains(v.msg, "<no namespaceLabel configured>")
}

test_delete_skipped if {
	count(violation) == 0 with input as json.patch(bare(gpu_pod), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
