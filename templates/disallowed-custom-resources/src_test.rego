package gatewright.disallowed_custom_resources_test

import data.gatewright.disallowed_custom_resources.violation

inp(spec) := {"parameters": {"resourcePatterns": [`^nvidia\.com/.*$`]}, "review": {"operation": "CREATE", "kind": {"kind": "Pod"}, "object": {
	"kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}, "spec": spec,
}}}

test_plain_resources_allowed if {
	count(violation) == 0 with input as inp({"containers": [{"name": "a", "resources": {"requests": {"cpu": "1", "amd.com/gpu": "1"}}}]})
}

test_gpu_request_denied if {
	some v in violation with input as inp({"containers": [{"name": "a", "resources": {"requests": {"nvidia.com/gpu": "1"}}}]})
	v.msg == `Pod ns/p, container "a": spec.containers[0].resources.requests["nvidia.com/gpu"] is nvidia.com/gpu; resources matching ^nvidia\.com/.*$ are not allowed`
}

test_limit_only_denied_in_init_container if {
	some v in violation with input as inp({"containers": [{"name": "a"}], "initContainers": [{"name": "i", "resources": {"limits": {"nvidia.com/mig-1g.5gb": "1"}}}]})
	v.msg == `Pod ns/p, init container "i": spec.initContainers[0].resources.limits["nvidia.com/mig-1g.5gb"] is nvidia.com/mig-1g.5gb; resources matching ^nvidia\.com/.*$ are not allowed`
}

test_no_parameters_and_delete if {
	spec := {"containers": [{"name": "a", "resources": {"requests": {"nvidia.com/gpu": "1"}}}]}
	count(violation) == 0 with input as object.remove(inp(spec), ["parameters"])
	count(violation) == 0 with input as json.patch(inp(spec), [{"op": "replace", "path": "/review/operation", "value": "DELETE"}])
}
