/*
 * msp_bundle.h - three TimeSeries of one sensor into one Seismogram, with
 * MsPASS's rules (BundleSEEDGroup and the CoreSeismogram constructor from
 * three TimeSeries; see mspass-semantics.md 4.3).
 */
#ifndef MSP_BUNDLE_H
#define MSP_BUNDLE_H

#include <stddef.h>
#include "msp_record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Do a and b belong to one bundle group: same net, sta, loc and first two
 * letters of chan (absent codes count as empty)? */
int msp_bundle_same_sensor(const msp_record *a, const msp_record *b);

/* Bundle the live TimeSeries ts[0..n-1] (one group) into out:
 *  - the group needs exactly 3 distinct channel codes; duplicates of a code
 *    are resolved by keeping the copy whose t0 is closest to the group's
 *    minimum t0; components are ordered by ascending channel code;
 *  - sample intervals must agree: max |dt_i - dt_j| * npts <= dt/2;
 *  - channel_hang and channel_vang are required on all three;
 *  - equal lengths and starts less than a sample apart: copied as they are
 *    (t0 of the first component); otherwise cut to the common span
 *    [max t0, min endtime], npts = round((min end - max t0)/dt) + 1, each
 *    component taking its nearest sample;
 *  - tmatrix from the angles, cardinal within 1e-4, orthogonal only when
 *    cardinal (MsPASS);
 *  - metadata of the first component without chan, channel_hang,
 *    channel_vang, hang, vang; "bundle_channels" lists the three codes.
 * When the group cannot be bundled, out is a dead Seismogram (npts 0, the
 * first member's metadata) with an Invalid elog entry, and MSP_ERR_DATA is
 * returned with the reason in err. */
int msp_bundle(msp_record *const *ts, int n, msp_record *out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
