"""StateFlow on Flink Stateful Functions: the remote function service of one program."""
