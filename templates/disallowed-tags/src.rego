package gatewright.disallowed_tags

import data.lib.common
import data.lib.image
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, img, {"disallowedTags": tags})} if {
	not common.is_delete
	tags := object.get(input, ["parameters", "tags"], [])
	some entry in common.containers
	img := object.get(entry.container, "image", "")
	ref := image.parse(img)
	ref.tag in tags
	field := sprintf("%s.image", [common.path(entry)])
	msg := message.format_rule(common.container_subject(entry), field, img, rule(ref))
}

rule(ref) := sprintf("tag %q is disallowed", [ref.tag]) if ref.explicit_tag

else := sprintf("no tag or digest means tag %q, which is disallowed", [ref.tag])
