
F
+process_cpu:cpu:nanoseconds:cpu:nanoseconds{}è  :

	main.mainF
+process_cpu:cpu:nanoseconds:cpu:nanoseconds{}è  :

	main.main