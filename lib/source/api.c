/* The public source functions: sloeval/source.h. */
#include "sloeval/source.h"

#include <stdlib.h>
#include <string.h>

#include "source/memory.h"
#include "source/openmetrics.h"
#include "source/source.h"
#include "util/error.h"
#include "util/options.h"

void sloeval_source_free(sloeval_source *src)
{
    if (src && src->vt && src->vt->destroy) src->vt->destroy(src);
}

sloeval_compat sloeval_source_compat(const sloeval_source *src)
{
    return src && src->compat == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
}

int sloeval_source_new_memory(sloeval_source **out, sloeval_compat compat)
{
    if (!out) return SLOEVAL_EINVAL;
    return memory_new(out, compat);
}

int sloeval_memory_load_openmetrics(sloeval_source *src, const char *text, size_t len,
                                    const char *name, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!memory_is_source(src) || (!text && len))
        return error_set(err, SLOEVAL_EINVAL, "not an in-memory source, or no text");
    return openmetrics_load(src, text, len, name, err);
}

int sloeval_memory_load_openmetrics_file(sloeval_source *src, const char *path, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!memory_is_source(src) || !path)
        return error_set(err, SLOEVAL_EINVAL, "not an in-memory source, or no path");
    return openmetrics_load_file(src, path, err);
}

int sloeval_memory_append(sloeval_source *src, const sloeval_label *lbls, size_t nlabels,
                          int64_t t_ms, double v, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!memory_is_source(src) || (!lbls && nlabels))
        return error_set(err, SLOEVAL_EINVAL, "not an in-memory source, or no labels");
    label small[16];
    label *pairs = nlabels <= 16 ? small : malloc(nlabels * sizeof(label));
    if (!pairs) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < nlabels; i++) {
        if (!lbls[i].name || !lbls[i].value) {
            rc = error_set(err, SLOEVAL_EINVAL, "label %zu has a NULL name or value", i);
            break;
        }
        pairs[i] = (label){strv_from_cstr(lbls[i].name), strv_from_cstr(lbls[i].value)};
    }
    if (rc == 0) rc = memory_load_begin(src, err);
    if (rc == 0) {
        rc = memory_load_append(src, pairs, nlabels, t_ms, v, NULL, err);
        if (rc)
            memory_load_abort(src);
        else
            memory_load_commit(src);
    }
    if (pairs != small) free(pairs);
    return rc;
}

int sloeval_memory_get_stats(sloeval_memory_stats *out, const sloeval_source *src,
                             sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out || !memory_is_source(src))
        return error_set(err, SLOEVAL_EINVAL, "sloeval_memory_get_stats: not an in-memory source");
    memory_stats st;
    memory_get_stats(src, &st);
    sloeval_memory_stats full = {SLOEVAL_MEMORY_STATS_VERSION,
                                 st.series,
                                 st.samples,
                                 st.sample_bytes,
                                 st.index_bytes,
                                 st.label_bytes};
    static const size_t sizes[SLOEVAL_MEMORY_STATS_VERSION] = {sizeof(sloeval_memory_stats)};
    return options_write(out, &full, sizes, SLOEVAL_MEMORY_STATS_VERSION, "sloeval_memory_stats",
                         err);
}
