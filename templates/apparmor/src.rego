package gatewright.apparmor

import data.lib.common
import data.lib.exception
import data.lib.glob
import data.lib.message

allowed_profiles := object.get(input, ["parameters", "allowedProfiles"], [])

annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"


# Tested first: containers whose profile the constraint does not admit. Containers without a field of their own
# usually all get one profile (the pod's field, or runtime/default): it is judged once, not per container.
candidates := array.concat(own_field_candidates, inherited_candidates)

own_field_candidates := [{"entry": {"container": c, "field": field, "index": i}, "found": found} |
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	value := c.securityContext.appArmorProfile
	found := {"profile": field_profile(value), "source": "container"}
	not glob.matches_any(allowed_profiles, found.profile)
]

inherited_candidates := [] if {
	uniform_admitted
} else := [{"entry": {"container": c, "field": field, "index": i}, "found": uniform} |
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	object.get(c, ["securityContext", "appArmorProfile"], null) == null
] if {
	uniform
} else := [{"entry": entry, "found": found} |
	some entry in common.containers
	object.get(entry.container, ["securityContext", "appArmorProfile"], null) == null
	found := profile(entry)
	not glob.matches_any(allowed_profiles, found.profile)
]

container_annotations_used if {
	some key, _ in common.pod_annotations
	startswith(key, annotation_prefix)
}

uniform := {"profile": field_profile(common.pod_spec.securityContext.appArmorProfile), "source": "pod"} if {
	not container_annotations_used
	common.pod_spec.securityContext.appArmorProfile
} else := {"profile": "runtime/default", "source": "none"} if {
	not container_annotations_used
}

uniform_admitted if glob.matches_any(allowed_profiles, uniform.profile)

offending := [c | some c in candidates; not excepted(c)] if exception.named

else := candidates

excepted(c) if glob.matches_any(exception.allowed(exception.for_container(c.entry), ["securityContext", "appArmorProfile", "allowedValues"], []), c.found.profile)

violation contains {"msg": msg, "details": message.details(field, c.found.profile, allowed_profiles)} if {
	candidates != []
	not common.is_delete
	some i, c in common.first_reported(offending)
	field := field_of(c.entry, c.found.source)
	msg := common.reported(i, count(offending), message.format(common.container_subject(c.entry), field, shown(c.found), allowed_profiles))
}

shown(found) := "unset (runtime/default)" if found.source == "none"

else := found.profile

field_of(entry, "container") := sprintf("%s.securityContext.appArmorProfile.type", [common.path(entry)])

field_of(entry, "annotation") := sprintf("%s.annotations[%q]", [common.metadata_prefix, concat("", [annotation_prefix, entry.container.name])])

field_of(_, "pod") := sprintf("%s.securityContext.appArmorProfile.type", [common.spec_prefix])

field_of(entry, "none") := sprintf("%s.securityContext.appArmorProfile", [common.path(entry)])

# The profile of a container without a field of its own, in order of precedence.
profile(entry) := {"profile": value, "source": "annotation"} if {
	value := common.pod_annotations[concat("", [annotation_prefix, entry.container.name])]
	value != ""
} else := {"profile": field_profile(common.pod_spec.securityContext.appArmorProfile), "source": "pod"} if {
	common.pod_spec.securityContext.appArmorProfile
} else := {"profile": "runtime/default", "source": "none"}

field_profile(value) := "runtime/default" if value.type == "RuntimeDefault"

else := "unconfined" if value.type == "Unconfined"

else := concat("", ["localhost/", object.get(value, "localhostProfile", "")]) if value.type == "Localhost"

else := sprintf("%v", [object.get(value, "type", "")])
