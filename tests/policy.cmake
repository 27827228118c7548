# Policy model and loader: default.conf against the built-in defaults, every
# error class with its line number, and the samples in corpus/policy/.
mugai_unit_test(policy)
