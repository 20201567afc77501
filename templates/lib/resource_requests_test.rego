package lib.resource_requests_test

import data.lib.resource_requests

entry := {"path": "spec.containers[0]", "container": {"name": "a", "resources": {
	"requests": {"cpu": "1", "nvidia.com/gpu": "1"},
	"limits": {"nvidia.com/gpu": "1", "memory": "1Gi"},
}}}

test_requests_and_limits if {
	resource_requests.matching(entry, [`^nvidia\.com/`]) == {
		{"resource": "nvidia.com/gpu", "field": `spec.containers[0].resources.requests["nvidia.com/gpu"]`, "pattern": `^nvidia\.com/`},
		{"resource": "nvidia.com/gpu", "field": `spec.containers[0].resources.limits["nvidia.com/gpu"]`, "pattern": `^nvidia\.com/`},
	}
}

test_no_match if {
	resource_requests.matching(entry, ["^amd\\.com/"]) == set()
	resource_requests.matching({"path": "p", "container": {"name": "b"}}, [".*"]) == set()
}

test_unanchored if {
	count(resource_requests.matching(entry, ["gpu"])) == 2
}
