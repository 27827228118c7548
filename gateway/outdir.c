/* outdir - placeholder. */
typedef int mugai_placeholder_t;
