/*
 * Write the fuzzer's seed corpus from the tests: every expression of
 * tests/parse/corpus*.txt and every input of tests/golden/parse/, once for
 * the 3.x grammar and once for 2.x (the first byte of a fuzz input).
 * usage: fuzz_seeds OUTDIR
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"

static int written;

static int write_seed(const char *dir, const char *text, size_t len)
{
    for (unsigned char mode = 0; mode < 2; mode++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/seed-%05d", dir, written++);
        FILE *f = fopen(path, "wb");
        if (!f) {
            perror(path);
            return -1;
        }
        fputc(mode, f);
        fwrite(text, 1, len, f);
        if (fclose(f) != 0) return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_seeds OUTDIR\n");
        return 2;
    }
    corpus c = {NULL, 0};
    const char *files[] = {SLOEVAL_SOURCE_DIR "/tests/parse/corpus.txt",
                           SLOEVAL_SOURCE_DIR "/tests/parse/corpus-generated.txt"};
    for (size_t i = 0; i < 2; i++)
        if (corpus_load(&c, files[i]) != 0) {
            fprintf(stderr, "fuzz_seeds: cannot read %s\n", files[i]);
            return 1;
        }
    const char *golden = SLOEVAL_SOURCE_DIR "/tests/golden/parse";
    DIR *d = opendir(golden);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s/input", golden, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        char buf[65536];
        size_t n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        corpus_add(&c, buf, n, 0);
    }
    if (d) closedir(d);
    for (size_t i = 0; i < c.n; i++)
        if (write_seed(argv[1], c.entries[i].text, c.entries[i].len) != 0) return 1;
    corpus_free(&c);
    printf("fuzz_seeds: %d seeds in %s\n", written, argv[1]);
    return 0;
}
