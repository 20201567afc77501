package lib.resource_requests_test

import data.lib.resource_requests

entry := {"field": "containers", "index": 0, "container": {"name": "a", "resources": {
	"requests": {"cpu": "1", "nvidia.com/gpu": "1"},
	"limits": {"nvidia.com/gpu": "1", "memory": "1Gi"},
}}}

pod_review := {"review": {"kind": {"kind": "Pod"}, "object": {"kind": "Pod"}}}

test_requests_and_limits if {
	found := resource_requests.matching(entry, [`^nvidia\.com/`]) with input as pod_review
	found == {
		{"resource": "nvidia.com/gpu", "field": `spec.containers[0].resources.requests["nvidia.com/gpu"]`, "pattern": `^nvidia\.com/`},
		{"resource": "nvidia.com/gpu", "field": `spec.containers[0].resources.limits["nvidia.com/gpu"]`, "pattern": `^nvidia\.com/`},
	}
}

test_no_match if {
	resource_requests.matching(entry, ["^amd\\.com/"]) == set()
	resource_requests.matching({"field": "containers", "index": 0, "container": {"name": "b"}}, [".*"]) == set()
}

test_unanchored if {
	count(resource_requests.matching(entry, ["gpu"])) == 2 with input as pod_review
}
