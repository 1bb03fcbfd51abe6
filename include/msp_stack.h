/*
 * msp_stack.h - reduce a group of records into one: MsPASS's stack (the sum
 * that d1 += d2 computes), the mean, the per-sample median and the robust
 * (dbxcor) stack of robust_stack; and the group key that says which records
 * belong together.
 *
 * Sums are exact: every sample keeps its running sum as a fixed-point
 * integer wide enough to hold any sum of doubles (a "long accumulator"), and
 * is rounded to double once, at the end.  The result is the correctly
 * rounded exact sum, so it does not depend on the order of the records or on
 * how they were split into partial stacks: 8 partitions stacked with
 * msp_stack_partial and combined with msp_stack_merge give bit for bit what
 * one pass gives.  Median and robust stacks keep the group's samples in
 * memory and cannot be merged (a median of medians is not the median).
 */
#ifndef MSP_STACK_H
#define MSP_STACK_H

#include <stddef.h>
#include "msp_record.h"
#include "msp_json.h"

#ifdef __cplusplus
extern "C" {
#endif

enum msp_stack_method {
	MSP_STACK_SUM = 0,    /* MsPASS stack(): d1 += d2 */
	MSP_STACK_MEAN = 1,   /* sum / number of records covering each sample */
	MSP_STACK_MEDIAN = 2, /* per-sample median */
	MSP_STACK_ROBUST = 3  /* robust_stack(method="dbxcor") */
};

typedef struct msp_stack_opts {
	int method;            /* enum msp_stack_method */
	int use_window;        /* 1: output span is [wstart, wend] (WindowData rule) */
	double wstart, wend;
	int maxiter;           /* robust: iterations (MsPASS 20) */
	double eps;            /* robust: convergence ||s1-s0||/||s0|| (MsPASS 0.001) */
	double residual_norm_floor; /* robust: MsPASS 0.01 */
	double pad_fraction_cutoff; /* median/robust with a window: drop members that
	                               would be more than this fraction zero padding
	                               (MsPASS 0.05) */
	int partial;           /* sum/mean for msp_stack_partial: without a window,
	                          keep every sample of every record (not just those
	                          in the first record's span), so that a merge can
	                          cut the one-pass span out of the whole */
} msp_stack_opts;

/* MsPASS's defaults: sum, no window, 20 iterations, eps 0.001, floor 0.01,
 * pad fraction cutoff 0.05. */
void msp_stack_opts_default(msp_stack_opts *o);

typedef struct msp_stack msp_stack;

int msp_stack_new(msp_stack **out, const msp_stack_opts *o);
void msp_stack_free(msp_stack *s);
/* Forget the group (keeps allocations for the next one). */
void msp_stack_reset(msp_stack *s);

/* Add one live record.  The first record fixes kind, time reference, dt and
 * (without a window) the output span.  Later records must have the same kind
 * and time reference, dt within 1e-6*dt, and (without a window) a start that
 * is a whole number of samples from the first one's within 1e-6 sample, or
 * within a few ulps of the start times (UTC epochs)
 * (MsPASS's += rule); with a window each record is placed on the nearest
 * sample (WindowData's rounding).  Only the overlap is summed.  A record that
 * breaks a rule is not added: MSP_ERR_DATA with the reason in err. */
int msp_stack_add(msp_stack *s, const msp_record *rec, char *err, size_t errlen);

/* Records added so far (including those in merged partials). */
size_t msp_stack_count(const msp_stack *s);

/* The stack as a record: the first record's metadata and history, the span,
 * the samples, and stack_count / stack_method in the metadata.  A group
 * with no record gives MSP_ERR_DATA; so do median or robust members with no
 * time span in common (out then holds the header, without samples). */
int msp_stack_result(msp_stack *s, msp_record *out);

/* A partial stack (sum and mean only): a record with the rounded sum as
 * samples and, in the metadata subdocument "stack_partial", the exact
 * per-sample sums and counts that msp_stack_merge needs.  Built with
 * opts.partial and no window, it spans every sample of its records and
 * says where the one-pass span (its first record's) lies inside; the merge
 * keeps the first partial's one-pass span, so partials of consecutive
 * slices of a group, merged in order, give exactly the one-pass stack. */
int msp_stack_partial(msp_stack *s, msp_record *out);
/* Combine a partial record into s (s then has the method of the partial). */
int msp_stack_merge(msp_stack *s, const msp_record *partial, char *err, size_t errlen);
/* 1 if rec carries a stack_partial subdocument. */
int msp_stack_is_partial(const msp_record *rec);

/* Method name <-> code ("sum", "mean", "median", "robust"); -1 if unknown. */
int msp_stack_method_from_name(const char *name);
const char *msp_stack_method_name(int method);

/* The group key of a record: the values of keys[0..nkeys-1] in its metadata,
 * typed so that a string "3" and a number 3 differ and 3 equals 3.0, as one
 * string in out (reset first).  MSP_ERR_NOTFOUND if a key is absent
 * (*missing gets its index), MSP_ERR_TYPE for a value that is neither a
 * string, a number, a bool nor an ObjectId. */
int msp_group_key(const bson_t *meta, const char *const *keys, int nkeys, msp_buf *out,
                  int *missing);

/* Exact sum of n doubles, correctly rounded (the accumulator above; for
 * tests and for callers that need an order-independent sum). */
double msp_exact_sum(const double *x, size_t n);

#ifdef __cplusplus
}
#endif
#endif
