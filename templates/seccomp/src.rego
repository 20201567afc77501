package gatewright.seccomp

import data.lib.common
import data.lib.exception
import data.lib.glob
import data.lib.message

allowed_profiles := object.get(input, ["parameters", "allowedProfiles"], [])

allowed_files := object.get(input, ["parameters", "allowedLocalhostFiles"], [])

pod_annotation := "seccomp.security.alpha.kubernetes.io/pod"

container_annotation_prefix := "container.seccomp.security.alpha.kubernetes.io/"


# The profile of a seccompProfile field in annotation form: "RuntimeDefault", "Unconfined" or "localhost/<file>".
field_profile(sp) := concat("", ["localhost/", object.get(sp, "localhostProfile", "")]) if {
	sp.type == "Localhost"
} else := sp.type

# The profile that applies to a container, in DVP's order of precedence, and which source set it (a tag; the field
# path is formatted only for a violation). value is null when no source sets one.
profile(entry) := {"value": field_profile(sp), "source": "container"} if {
	sp := entry.container.securityContext.seccompProfile
	is_string(sp.type)
} else := {"value": field_profile(pod_field), "source": "pod"} if {
	pod_field_set
} else := {"value": v, "source": "container_annotation"} if {
	v := common.pod_annotations[concat("", [container_annotation_prefix, entry.container.name])]
} else := {"value": v, "source": "pod_annotation"} if {
	v := common.pod_annotations[pod_annotation]
} else := {"value": null, "source": "none"}

pod_field := common.pod_spec.securityContext.seccompProfile

pod_field_set if is_string(pod_field.type)

field_of(entry, "container") := sprintf("%s.securityContext.seccompProfile", [common.path(entry)])

field_of(_, "pod") := sprintf("%s.securityContext.seccompProfile", [common.spec_prefix])

field_of(entry, "container_annotation") := sprintf("%s.annotations[%q]", [common.metadata_prefix, concat("", [container_annotation_prefix, entry.container.name])])

field_of(_, "pod_annotation") := sprintf("%s.annotations[%q]", [common.metadata_prefix, pod_annotation])

field_of(entry, "none") := sprintf("%s.securityContext.seccompProfile", [common.path(entry)])

synonyms := {
	"RuntimeDefault": "runtime/default",
	"runtime/default": "runtime/default",
	"docker/default": "runtime/default",
	"Unconfined": "unconfined",
	"unconfined": "unconfined",
	"Localhost": "localhost",
	"": "undefined",
	"undefined": "undefined",
}

# One spelling per profile: runtime/default, unconfined, localhost (bare, allow-lists only), localhost/<file>,
# undefined; anything else stays as written.
canonical(p) := object.get(synonyms, p, p)

# The constraint's own list in canonical form, computed once per review: most profiles are admitted by one lookup.
allowed_canonical := {object.get(synonyms, p, p) | some p in allowed_profiles}

admitted_by_constraint(actual) if actual in allowed_canonical

admitted_by_constraint(actual) if {
	not actual in allowed_canonical
	admits(allowed_profiles, actual, allowed_files)
}

# Whether a profile list (allowedProfiles, or an exception's allowedValues) admits the actual profile.
admits(profiles, _, _) if "*" in profiles

admits(profiles, actual, _) if {
	some p in profiles
	canonical(p) == actual
}

admits(profiles, actual, files) if {
	startswith(actual, "localhost/")
	some p in profiles
	canonical(p) == "localhost"
	glob.matches_any(files, substring(actual, count("localhost/"), -1))
}

admits(profiles, actual, _) if {
	startswith(actual, "localhost/")
	some p in profiles
	startswith(p, "localhost/")
	glob.matches(p, actual)
}

canonical_value(null) := "undefined"

canonical_value(v) := canonical(v) if v != null

# PSA restricted (1.25+) does not require a profile on Windows pods, which cannot set one; a profile that is set is
# still judged (as PSA baseline does), so the restricted set can stand in for the baseline one.
windows_unset_exempt(actual) if {
	actual == "undefined"
	common.is_windows_pod
}

# Formatted once per review (a rule's value is cached, a function's is not).
rule_text(actual) := localhost_rule_text if {
	startswith(actual, "localhost/")
} else := profiles_rule_text

localhost_rule_text := sprintf("allowed: %s with allowedLocalhostFiles %s", [message.show(allowed_profiles), message.show(allowed_files)])

profiles_rule_text := sprintf("allowed: %s", [message.show(allowed_profiles)])

# Tested first: {entry, profile, canonical form} for every container whose profile the constraint does not admit.
# Containers without a field of their own usually all inherit one profile (the pod's field, or the pod annotation or
# nothing when no container annotation is used): it is judged once, not per container.
candidates := array.concat(own_field_candidates, inherited_candidates)

# RuntimeDefault and Unconfined are their own annotation form: a container field naming one the constraint admits is
# passed by one set lookup.
# (For these two the constraint's verdict is "listed, or the list has *": no localhost file matching.)
admitted_types := {"RuntimeDefault", "Unconfined"} if {
	"*" in allowed_profiles
} else := {t | some t, form in {"RuntimeDefault": "runtime/default", "Unconfined": "unconfined"}; form in allowed_canonical}

# The common case, tested before any candidate is built: the pod's field names an admitted type (so every container
# without a field of its own inherits it) and so does every container that sets one.
all_admitted if {
	pod_field.type in admitted_types
	not own_type_not_admitted
}

own_type_not_admitted if {
	some field in common.container_fields
	some c in common.pod_spec[field]
	not c.securityContext.seccompProfile.type in admitted_types
	c.securityContext.seccompProfile
}

own_field_candidates := [{"entry": {"container": c, "field": field, "index": i}, "p": {"value": v, "source": "container"}, "actual": a} |
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	sp := c.securityContext.seccompProfile
	is_string(sp.type)
	not sp.type in admitted_types
	v := field_profile(sp)
	a := canonical(v)
	not admitted_by_constraint(a)
	not windows_unset_exempt(a)
]

inherited_candidates := [] if {
	uniform_admitted
} else := [{"entry": {"container": c, "field": field, "index": i}, "p": uniform, "actual": uniform_actual} |
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	not is_string(object.get(c, ["securityContext", "seccompProfile", "type"], null))
] if {
	uniform
} else := [{"entry": entry, "p": p, "actual": a} |
	some entry in common.containers
	not is_string(object.get(entry.container, ["securityContext", "seccompProfile", "type"], null))
	p := profile(entry)
	a := canonical_value(p.value)
	not admitted_by_constraint(a)
	not windows_unset_exempt(a)
]

container_annotations_used if {
	some key, _ in common.pod_annotations
	startswith(key, container_annotation_prefix)
}

# The profile every container without a field of its own gets, when that does not depend on the container.
uniform := {"value": field_profile(pod_field), "source": "pod"} if {
	pod_field_set
} else := {"value": v, "source": "pod_annotation"} if {
	not container_annotations_used
	v := common.pod_annotations[pod_annotation]
} else := {"value": null, "source": "none"} if {
	not container_annotations_used
}

uniform_actual := canonical_value(uniform.value)

uniform_admitted if admitted_by_constraint(uniform_actual)

uniform_admitted if windows_unset_exempt(uniform_actual)

offending := [c | some c in candidates; not excepted(c)] if exception.named

else := candidates

# An exception's "Localhost" admits any local file: it names no file list of its own.
excepted(c) if admits(exception.allowed(exception.for_container(c.entry), ["securityContext", "seccompProfile", "allowedValues"], []), c.actual, ["*"])

violation contains {"msg": msg, "details": message.details(field, c.p.value, {"allowedProfiles": allowed_profiles, "allowedLocalhostFiles": allowed_files})} if {
	not all_admitted
	candidates != []
	not common.is_delete
	some i, c in common.first_reported(offending)
	field := field_of(c.entry, c.p.source)
	msg := common.reported(i, count(offending), message.format_rule(common.container_subject(c.entry), field, c.p.value, rule_text(c.actual)))
}
