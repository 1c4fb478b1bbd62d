/* layout_index.c -- the OCI image layout's index.json, as the layout and S3 stores both keep it
 *
 * Both stores hold the same layout (blobs/sha256/<hex>, index.json, oci-layout); only where
 * the bytes live differs. The index is a struct dp_manifest with is_index set: its
 * manifests[] (`layers`) are the stored manifests, a tag is the
 * org.opencontainers.image.ref.name annotation of one entry. The tag grammar is
 * dp_tag_valid() (ref.c), the same a reference is parsed with.
 */
#include "qgate/common.h"

#include "deploy.h"

int dp_bad_digest(const char *d)
{
	return qg_error(QG_EUSAGE, "'%s': not a digest (expected sha256:<64 lowercase hex>)",
			d ? d : "");
}

void dp_index_remove(struct dp_manifest *idx, size_t i)
{
	dp_desc_release(&idx->layers[i]);
	memmove(&idx->layers[i], &idx->layers[i + 1],
		(idx->nr_layers - i - 1) * sizeof(*idx->layers));
	idx->nr_layers--;
}

int dp_index_append(struct dp_manifest *idx, const char *media_type, const char *artifact_type,
		    const char *digest, long long size, const char *tag)
{
	struct dp_desc *grown = realloc(idx->layers, (idx->nr_layers + 1) * sizeof(*grown)), *d;

	if (!grown)
		return qg_error(QG_ENOMEM, "out of memory");
	idx->layers = grown;
	d = &grown[idx->nr_layers];
	memset(d, 0, sizeof(*d));
	idx->nr_layers++;
	d->media_type = qg_strdup(media_type);
	d->artifact_type = qg_strdup(artifact_type);
	memcpy(d->digest, digest, DP_DIGEST_SIZE);
	d->size = size;
	if (!d->media_type || (artifact_type && !d->artifact_type))
		return qg_error(QG_ENOMEM, "out of memory");
	return tag ? dp_desc_annotate(d, DP_ANN_REF_NAME, tag) : 0;
}

int dp_index_find_tag(const char *where, const struct dp_manifest *idx, const char *tag, long *at)
{
	size_t i;

	*at = -1;
	for (i = 0; i < idx->nr_layers; i++) {
		const char *name = dp_desc_annotation(&idx->layers[i], DP_ANN_REF_NAME);

		if (!name || strcmp(name, tag))
			continue;
		if (*at >= 0 && strcmp(idx->layers[*at].digest, idx->layers[i].digest))
			return qg_error(QG_EINPUT,
					"'%s': index.json: tag '%s' names two manifests (%s and %s)",
					where, tag, idx->layers[*at].digest, idx->layers[i].digest);
		if (*at < 0)
			*at = (long)i;
	}
	return 0;
}
