// Online softmax update of one head group's running state with one block:
//   first block: (m, l, acc) = (m_j, l_j, o_j)
//   otherwise:   m' = max(m, m_j); a = exp(m - m'); b = exp(m_j - m')
//                acc = a * acc + b * o_j; l = a * l + b * l_j; m = m'
// and after the last block out = acc / l.
// args: m, l, acc (fp32 running state: g, g, g x d), m_j, l_j, o_j (block
// results), out (fp32, g x d), g, d, flags (bit 0 first block, bit 1 last).
#include <cmath>
#include <cstdint>

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    float* m = reinterpret_cast<float*>(args[0]);
    float* l = reinterpret_cast<float*>(args[1]);
    float* acc = reinterpret_cast<float*>(args[2]);
    const float* mj = reinterpret_cast<const float*>(args[3]);
    const float* lj = reinterpret_cast<const float*>(args[4]);
    const float* oj = reinterpret_cast<const float*>(args[5]);
    float* out = reinterpret_cast<float*>(args[6]);
    int64_t g = args[7], d = args[8], flags = args[9];
    bool first = flags & 1, last = flags & 2;
    for (int64_t i = 0; i < g; ++i) {
        float* a_row = acc + i * d;
        const float* o_row = oj + i * d;
        if (first) {
            m[i] = mj[i];
            l[i] = lj[i];
            for (int64_t x = 0; x < d; ++x) a_row[x] = o_row[x];
        } else {
            float mn = std::fmax(m[i], mj[i]);
            float alpha = std::exp(m[i] - mn), beta = std::exp(mj[i] - mn);
            for (int64_t x = 0; x < d; ++x) a_row[x] = alpha * a_row[x] + beta * o_row[x];
            l[i] = alpha * l[i] + beta * lj[i];
            m[i] = mn;
        }
        if (last) {
            for (int64_t x = 0; x < d; ++x) out[i * d + x] = a_row[x] / l[i];
        }
    }
}
