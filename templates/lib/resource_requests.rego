# Resource names a container asks for (in resources.requests or resources.limits), matched against regex
# patterns (unanchored, as regex.match does). Limits count too: Kubernetes copies a limit to the request when
# the request is unset, so an extended resource set only as a limit is still requested.
package lib.resource_requests

import data.lib.common

# {"resource": "nvidia.com/gpu", "field": "spec.containers[0].resources.limits[\"nvidia.com/gpu\"]", "pattern": "^nvidia\\.com/"}
matching(entry, patterns) := {m |
	some kind in ["requests", "limits"]
	some resource, _ in object.get(entry.container, ["resources", kind], {})
	some pattern in patterns
	regex.match(pattern, resource)
	m := {
		"resource": resource,
		"field": sprintf("%s.resources.%s[%q]", [common.path(entry), kind, resource]),
		"pattern": pattern,
	}
}
